import { defineReservationSuite } from '../../test/support/reservation-suite';

// The real PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test), in a
// throwaway database created for this file and dropped afterwards.
defineReservationSuite('postgres');
