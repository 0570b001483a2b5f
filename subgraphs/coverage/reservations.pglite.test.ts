import { defineReservationSuite } from '../../test/support/reservation-suite';

// The embedded default store: PGlite in a folder on disk (reopened to test restarts).
defineReservationSuite('pglite');
