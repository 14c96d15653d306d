/** The bundled demo shop that `helpgate demo` runs behind helpgate. */
export { createDemoShop, type DemoShopOptions } from './create-demo-shop.js';
export { type RunningDemoShop, startDemoShop } from './start-demo-shop.js';
