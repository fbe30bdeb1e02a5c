// Stands in for react-devtools-core in the bundle (scripts/bundle.mjs): Ink imports it only when DEV=true.
export default {};
