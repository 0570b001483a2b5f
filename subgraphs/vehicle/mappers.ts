/** What a Vehicle resolver holds: only the key. Every facet is loaded on demand by the request's loaders. */
export interface VehicleRef {
  plate: string;
}
