/**
 * Office hours, free of JupyterLab UI packages: the views (the JupyterLab
 * panel in `officeHoursPanel.tsx`, not exported here, and the notebook widget
 * wrap them), their model and REST client.
 */
export * from './api';
export {
  OfficeHoursQueue,
  type IOfficeHoursQueueProps
} from './OfficeHoursQueue';
export {
  OfficeHoursModel,
  type IOfficeHoursModelOptions,
  type IOfficeHoursViewState
} from './model';
