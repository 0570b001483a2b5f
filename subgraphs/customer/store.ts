import { migrationsFolder } from '../../platform/db';

/**
 * The Customer domain's tables (`migrations/`, range 200-299), applied by its service after the platform's:
 * Carsys pushes (`carsys-store.ts`) and the MMP import's idempotency keys (`import-idempotency.ts`).
 */
export const customerMigrations = migrationsFolder(import.meta.url);
