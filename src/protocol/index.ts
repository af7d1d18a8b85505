export * from './codes.ts';
export * from './messages.ts';
export * from './parse.ts';
export * from './token-bucket.ts';
export * from './validate.ts';
export * from './raw-data.ts';
