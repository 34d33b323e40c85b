/**
 * The canonical ABI's lifting and lowering of component-model values,
 * following definitions.py function by function (camelCased names:
 * `lift_flat` is `liftFlat`, `lower_flat_values` is `lowerFlatValues`).
 */
export * from './context.js';
export * from './layout.js';
export * from './js.js';
export * from './lift.js';
export * from './lower.js';
