export * from './faults';
export * from './router';
export * from './sandbox-server';
export * from './token-store';
export * from './prng';
