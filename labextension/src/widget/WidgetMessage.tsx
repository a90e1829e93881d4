import * as React from 'react';

/** A sentence in place of a widget that cannot show what was asked. */
export function WidgetMessage(props: {
  children: React.ReactNode;
}): React.ReactElement {
  return (
    <div
      className="jp-StudySession-widgetMessage"
      role="alert"
      data-testid="studysession-widget-message"
    >
      {props.children}
    </div>
  );
}
