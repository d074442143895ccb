// Vite (and so vitest) imports a file's text with the `?raw` suffix; the tests read docs that way.
declare module "*?raw" {
  const text: string;
  export default text;
}
