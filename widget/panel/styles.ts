/** The panel's stylesheet as its own small module, fetched in parallel with the panel code. */
import css from './panel.css?inline';

export default css;
