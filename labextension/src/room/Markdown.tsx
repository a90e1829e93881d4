import * as React from 'react';

import { MarkdownNode, parseMarkdown } from './safeMarkdown';

export interface IMarkdownProps {
  /** The message's Markdown, as sent. */
  text: string;
}

/**
 * A chat message's Markdown, drawn from the allow-listed tree of
 * `parseMarkdown`: strings are escaped by React, links open in a new tab
 * without access to this page.
 */
export function Markdown({ text }: IMarkdownProps): React.ReactElement {
  const nodes = React.useMemo(() => parseMarkdown(text), [text]);
  return (
    <div className="jp-StudySession-markdown">{nodes.map(renderNode)}</div>
  );
}

function renderNode(node: MarkdownNode, key: number): React.ReactNode {
  if (typeof node === 'string') {
    return node;
  }
  const children = node.children.map(renderNode);
  switch (node.tag) {
    case 'a':
      return node.attrs.href === undefined ? (
        <span key={key}>{children}</span>
      ) : (
        <a
          key={key}
          href={node.attrs.href}
          target="_blank"
          rel="noopener noreferrer"
        >
          {children}
        </a>
      );
    case 'br':
    case 'hr':
      return React.createElement(node.tag, { key });
    case 'ol':
      return (
        <ol key={key} start={node.attrs.start ? Number(node.attrs.start) : 1}>
          {children}
        </ol>
      );
    default:
      return React.createElement(node.tag, { key }, ...children);
  }
}
