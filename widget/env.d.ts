// Vite's `?inline` CSS imports give the minified stylesheet as a string (adopted into the shadow root).
declare module '*.css?inline' {
  const css: string;
  export default css;
}
