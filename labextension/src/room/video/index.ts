/**
 * The room's video area: the call model (WebRTC against the server's media
 * server), its pure rules, and its components. Shared by the JupyterLab panel
 * and the notebook widget.
 */
export * from './callApi';
export * from './callModel';
export * from './callState';
export * from './VideoArea';
