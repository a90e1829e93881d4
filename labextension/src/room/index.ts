/**
 * The session room's components, shared by the JupyterLab panel
 * (`roomPanel.tsx`) and the notebook widget. Nothing exported here imports
 * JupyterLab's UI packages (`roomPanel.tsx`, which does, is not exported).
 */
export * from './Chat';
export * from './chatModel';
export * from './chatState';
export * from './Goals';
export * from './Markdown';
export * from './safeMarkdown';
export * from './Participants';
export * from './Room';
export * from './RoomHeader';
export * from './roomModel';
export * from './roomState';
export * from './SessionSummary';
export * from './SharedTimer';
export * from './summary';
export * from './timerState';
export { useNow, useStore } from '../common/hooks';
export { errorMessage, Store } from '../common/store';
