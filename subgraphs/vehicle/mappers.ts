/** What Carsys says about a plate, as the gateway hands it over for `@requires` (Customer subgraph's `Vehicle.carsys`). */
export interface CarsysFactsRef {
  make: string;
  model: string;
  vin: string | null;
  fuel: string | null;
  firstRegistrationDate: string | null;
}

/**
 * What a Vehicle resolver holds: the key, plus the Customer subgraph's fields the gateway passes for
 * `@requires` (`sources`, `facts`). Every MMP facet is loaded on demand by the request's loaders.
 */
export interface VehicleRef {
  plate: string;
  knownToCarsys?: boolean | null;
  carsys?: CarsysFactsRef | null;
}
