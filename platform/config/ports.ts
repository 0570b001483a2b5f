import { envVar, port, url } from './define';

/** Fixed default ports so that `npm start` and the README agree; each can be overridden. */
export const portsEnv = {
  GATEWAY_PORT: envVar(port(4000), 'Gateway HTTP/WebSocket port'),
  VEHICLE_PORT: envVar(port(4001), 'Vehicle subgraph port'),
  CUSTOMER_PORT: envVar(port(4002), 'Customer subgraph port'),
  CAPACITY_PORT: envVar(port(4003), 'Capacity subgraph port'),
  ORDER_PORT: envVar(port(4004), 'Order subgraph port (also serves the Vitec order intake)'),
  COVERAGE_PORT: envVar(port(4005), 'Coverage subgraph port'),
  MMP_SANDBOX_PORT: envVar(port(4101), 'MMP Vision 360 sandbox port'),
  CARSYS_SANDBOX_PORT: envVar(port(4102), 'Carsys sandbox port'),
  CUSTOMERCONNECT_SANDBOX_PORT: envVar(port(4103), 'CustomerConnect sandbox port'),
  VITEC_SANDBOX_PORT: envVar(port(4104), 'Vitec Express Connect sandbox port'),
  OZMAP_SANDBOX_PORT: envVar(port(4105), 'OZmap sandbox port'),
  VEHICLE_URL: envVar(url(), 'Vehicle subgraph URL for the gateway. Unset: http://127.0.0.1:VEHICLE_PORT/graphql'),
  CUSTOMER_URL: envVar(url(), 'Customer subgraph URL for the gateway. Unset: http://127.0.0.1:CUSTOMER_PORT/graphql'),
  CAPACITY_URL: envVar(url(), 'Capacity subgraph URL for the gateway. Unset: http://127.0.0.1:CAPACITY_PORT/graphql'),
  ORDER_URL: envVar(url(), 'Order subgraph URL for the gateway. Unset: http://127.0.0.1:ORDER_PORT/graphql'),
  COVERAGE_URL: envVar(url(), 'Coverage subgraph URL for the gateway. Unset: http://127.0.0.1:COVERAGE_PORT/graphql'),
};
