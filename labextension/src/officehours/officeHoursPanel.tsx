/**
 * The office hours' JupyterLab panel: the student or staff view of one office
 * hours, in a `MainAreaWidget` opened by the plugin in `plugins/officeHours.ts`.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { OfficeHoursModel } from './model';
import { OfficeHoursQueue } from './OfficeHoursQueue';

/** One office hours: the student or staff view. */
export class OfficeHoursPanel extends ReactWidget {
  constructor(
    readonly officehoursId: string,
    private readonly _onOpenRoom: (sessionId: string) => void
  ) {
    super();
    this.addClass('jp-StudySession-ohPanel');
    this.model = new OfficeHoursModel(officehoursId);
    this.model.subscribe(() => this._updateTitle());
  }

  readonly model: OfficeHoursModel;

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }

  protected override render(): React.ReactElement {
    return (
      <OfficeHoursQueue
        officehoursId={this.officehoursId}
        model={this.model}
        onOpenRoom={this._onOpenRoom}
      />
    );
  }

  private _updateTitle(): void {
    const officehours = this.model.state.officehours;
    if (officehours !== null && this.parent !== null) {
      this.parent.title.label = officehours.title;
      this.parent.title.caption = `Office hours: ${officehours.title}`;
    }
  }
}
