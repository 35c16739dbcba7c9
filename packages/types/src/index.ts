export * from './domain';
export * from './errors';
export * from './health';
export * from './calls';
export * from './analysis';
export * from './reports';
export * from './business';
