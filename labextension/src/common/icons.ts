import { LabIcon } from '@jupyterlab/ui-components';

/**
 * A graduation cap (the Material Design "school" glyph, Apache-2.0),
 * themed through the `jp-icon3` class like JupyterLab's own icons.
 */
const studySessionSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M5 13.18v4L12 21l7-3.82v-4L12 17l-7-3.82zM12 3 1 9l11 6 9-4.91V17h2V9L12 3z"/>
</svg>`;

export const studySessionIcon = new LabIcon({
  name: 'studysession:icon',
  svgstr: studySessionSvg
});
