/**
 * The create-session dialog (`studysession:create-session`): JupyterLab's
 * Dialog around `CreateSessionForm`. It stays open until the server created
 * the session, showing the server's refusal otherwise.
 */
import { Dialog, ReactWidget } from '@jupyterlab/apputils';
import * as React from 'react';

import type { ISession } from '../common/api';
import { errorMessage } from '../common/apiError';
import type { PresenceModel } from '../common/presence';
import {
  buildCreateRequest,
  emptyForm,
  FormErrors,
  FormField,
  ICreateSessionForm
} from './createSession';
import { CreateSessionForm } from './CreateSessionForm';
import type { IStudyApi } from './sessionsApi';

const CREATE_BUTTON = 1;

/** The dialog's body: the form and its messages. */
class CreateSessionBody extends ReactWidget {
  constructor(
    private readonly _api: IStudyApi,
    private readonly _presence: PresenceModel | null
  ) {
    super();
    this.addClass('jp-StudySession-createBody');
    // the suggestions' status dots come in after them
    _presence?.changed.connect(this._onPresence, this);
  }

  override dispose(): void {
    this._presence?.changed.disconnect(this._onPresence, this);
    super.dispose();
  }

  form: ICreateSessionForm = emptyForm();
  errors: FormErrors = {};
  serverError: string | null = null;
  created: ISession | null = null;

  getValue(): ISession | null {
    return this.created;
  }

  /** Focus the first field in error, or the title. */
  focusFirst(): void {
    const field =
      this.node.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      this.node.querySelector<HTMLElement>('input');
    field?.focus();
  }

  private _onPresence(): void {
    this.update();
  }

  protected override render(): React.ReactElement {
    const presence = this._presence;
    return (
      <CreateSessionForm
        form={this.form}
        errors={this.errors}
        serverError={this.serverError}
        onChange={form => {
          // a field's error goes once the field changes
          const errors = { ...this.errors };
          for (const field of Object.keys(errors) as FormField[]) {
            if (form[field] !== this.form[field]) {
              delete errors[field];
            }
          }
          this.errors = errors;
          this.form = form;
          this.update();
        }}
        suggest={async q => {
          const found = await this._api.suggestPeople(q);
          if (presence !== null && found.length > 0) {
            // a look now and then is enough for a dialog: load, don't follow
            presence
              .watch({ users: found.map(s => s.user.username) })
              .dispose();
          }
          return found;
        }}
        statusOf={presence ? name => presence.statusOf(name) : undefined}
      />
    );
  }
}

/** A Dialog that creates the session before it closes with "Create". */
class CreateSessionDialog extends Dialog<ISession | null> {
  constructor(
    private readonly _form: CreateSessionBody,
    private readonly _api: IStudyApi
  ) {
    super({
      title: 'New study session',
      body: _form,
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: 'Create', ariaLabel: 'Create session' })
      ],
      defaultButton: CREATE_BUTTON,
      focusNodeSelector: 'input'
    });
    this.addClass('jp-StudySession-createDialog');
  }

  override handleEvent(event: Event): void {
    // Enter picks a suggestion and Escape closes the suggestions in the invite
    // field: the dialog must not take them for "Create" and "Cancel"
    if (event.type === 'keydown') {
      const key = (event as KeyboardEvent).key;
      const target = event.target as HTMLElement | null;
      const combobox = target?.closest?.('[role="combobox"]');
      if (
        combobox &&
        (key === 'Enter' ||
          (key === 'Escape' &&
            combobox.getAttribute('aria-expanded') === 'true'))
      ) {
        return;
      }
    }
    super.handleEvent(event);
  }

  override resolve(index?: number): void {
    if (index !== CREATE_BUTTON && index !== undefined) {
      super.resolve(index);
      return;
    }
    void this._create();
  }

  private async _create(): Promise<void> {
    if (this._submitting) {
      return;
    }
    const body = this._form;
    const built = buildCreateRequest(body.form);
    if (built.request === null) {
      body.errors = built.errors;
      body.serverError = null;
      body.update();
      requestAnimationFrame(() => body.focusFirst());
      return;
    }
    this._submitting = true;
    this.addClass('jp-mod-busy');
    try {
      body.created = await this._api.createSession(built.request);
      super.resolve(CREATE_BUTTON);
    } catch (error) {
      body.errors = {};
      body.serverError = errorMessage(
        error,
        'The session could not be created because of an unexpected error.'
      );
      body.update();
    } finally {
      this._submitting = false;
      this.removeClass('jp-mod-busy');
    }
  }

  private _submitting = false;
}

/**
 * Show the dialog; resolves with the created session, or `null` when the
 * user cancelled.
 */
export async function showCreateSessionDialog(
  api: IStudyApi,
  presence: PresenceModel | null
): Promise<ISession | null> {
  const body = new CreateSessionBody(api, presence);
  const dialog = new CreateSessionDialog(body, api);
  const result = await dialog.launch();
  return result.button.accept ? result.value : null;
}
