/**
 * Installs CSS in a shadow root. Constructable stylesheets are not inline styles, so they work under
 * `style-src 'self'` without a nonce; browsers without them get a `<style>` carrying the page's nonce.
 */
export function adoptCss(root: ShadowRoot, css: string, nonce: string | null): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return;
  } catch {
    // No constructable stylesheets (Safari < 16.4, jsdom): fall through to a <style> element.
  }
  const style = document.createElement('style');
  if (nonce) style.nonce = nonce;
  style.textContent = css;
  root.prepend(style);
}
