/**
 * Following on someone else's server: on a JupyterHub, a participant opens
 * the study notebook on the host's server (a hub share). There this server's
 * Study API answers them read-only (`docs/hub.md`): the sessions of this
 * server's owner they joined, a session's follow state, and `follow:<id>`.
 * They follow with the same FollowModel and NotebookFollower as everywhere.
 */
import { PageConfig } from '@jupyterlab/coreutils';

import { requestAPI } from '../common/api';

/** A session of this server's owner the visitor may follow here. */
export interface IVisit {
  session_id: string;
  title: string;
  host: string;
  notebook_path: string | null;
}

/**
 * The user visiting this server, or null on one's own server (or without a
 * hub): JupyterHub's page config names both the user and the server's owner.
 */
export function visitor(): string | null {
  const user = PageConfig.getOption('hubUser');
  const owner = PageConfig.getOption('hubServerUser');
  return user && owner && user !== owner ? user : null;
}

/** The sessions the visitor may follow on this server, now. */
export async function listVisits(): Promise<IVisit[]> {
  return (await requestAPI<{ items: IVisit[] }>('visits')).items;
}

/** The session whose study notebook is `path` on this server, if any. */
export async function visitFor(path: string): Promise<IVisit | null> {
  const visits = await listVisits();
  return visits.find(visit => visit.notebook_path === path) ?? null;
}
