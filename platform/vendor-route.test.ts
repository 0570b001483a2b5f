import { describe, expect, it } from 'vitest';
import { routeTemplate } from './vendor-route';

describe('routeTemplate', () => {
  it('replaces record ids and keeps names', () => {
    expect(routeTemplate('/api/v1/trif/service-external-client/vehicule/vision360')).toBe('/api/v1/trif/service-external-client/vehicule/vision360');
    expect(routeTemplate('/api/v1/properties/65a1f0c00cfac8a134776517')).toBe('/api/v1/properties/{id}');
    expect(routeTemplate('/orders/42/items/3f2b8c1e-9a4d-4e7b-8c2a-1b2c3d4e5f60')).toBe('/orders/{id}/items/{id}');
    expect(routeTemplate('/capacity?userid=121212')).toBe('/capacity');
  });
});
