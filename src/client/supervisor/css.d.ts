/** esbuild loads stylesheets as text (scripts/build.mjs), adopted by the page. */
declare module '*.css' {
  const text: string;
  export default text;
}
