/** The neutral result model and its builders: what adapters produce and reporters read. */
export * from './model.js';
export * from './build.js';
