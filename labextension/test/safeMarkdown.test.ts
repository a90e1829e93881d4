import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ALLOWED_TAGS,
  IMarkdownElement,
  isSafeUrl,
  markdownText,
  MarkdownNode,
  parseMarkdown
} from '../src/room/safeMarkdown';

/** Every element of a tree, depth first. */
function elements(nodes: readonly MarkdownNode[]): IMarkdownElement[] {
  return nodes.flatMap(node =>
    typeof node === 'string' ? [] : [node, ...elements(node.children)]
  );
}

describe('isSafeUrl', () => {
  it('should accept absolute http, https and mailto URLs', () => {
    for (const url of [
      'http://example.org',
      'https://example.org/a?b=c#d',
      'HTTPS://EXAMPLE.ORG',
      'mailto:ada@example.org'
    ]) {
      assert.equal(isSafeUrl(url), true, url);
    }
  });

  it('should refuse script, data, relative and disguised URLs', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'vbscript:msgbox(1)',
      'data:text/html;base64,PHNjcmlwdD4=',
      'file:///etc/passwd',
      'java%09script:alert(1)',
      '/lab/tree',
      '//evil.example',
      ''
    ]) {
      assert.equal(isSafeUrl(url), false, url);
    }
  });
});

describe('parseMarkdown', () => {
  it('should keep raw HTML as text, never as elements', () => {
    const text = '<img src=x onerror="window.hacked=1"> <script>x()</script>';
    const nodes = parseMarkdown(text);
    assert.deepEqual(nodes, [{ tag: 'p', attrs: {}, children: [text] }]);
  });

  it('should leave a javascript: link as its literal text', () => {
    for (const text of [
      '[x](javascript:window.hacked=2)',
      '[x](JAVASCRIPT:alert(1))',
      '[x](jav&#x61;script:alert(1))',
      '<javascript:alert(1)>'
    ]) {
      const tree = parseMarkdown(text);
      assert.equal(
        elements(tree).filter(e => e.tag === 'a').length,
        0,
        `${text} became a link`
      );
      assert.ok(markdownText(tree).length > 0, `${text} vanished`);
    }
  });

  it('should make links of http(s) URLs, written or bare', () => {
    const nodes = parseMarkdown(
      '[docs](https://jupyter.org) and https://example.org/x'
    );
    const links = elements(nodes).filter(e => e.tag === 'a');
    assert.deepEqual(
      links.map(l => [l.attrs.href, markdownText(l.children)]),
      [
        ['https://jupyter.org', 'docs'],
        ['https://example.org/x', 'https://example.org/x']
      ]
    );
  });

  it('should turn an image into a link that loads nothing', () => {
    const nodes = parseMarkdown('![plot](https://example.org/p.png)');
    assert.deepEqual(nodes, [
      {
        tag: 'p',
        attrs: {},
        children: [
          {
            tag: 'a',
            attrs: { href: 'https://example.org/p.png' },
            children: ['plot']
          }
        ]
      }
    ]);
    // and an image with an unsafe source stays text
    assert.deepEqual(parseMarkdown('![x](javascript:alert(1))'), [
      { tag: 'p', attrs: {}, children: ['![x](javascript:alert(1))'] }
    ]);
  });

  it('should render the usual chat Markdown with allowed tags only', () => {
    const nodes = parseMarkdown(
      [
        '# Title',
        '**bold** _it_ ~~gone~~ `x = 1`',
        'line one',
        'line two',
        '',
        '- a',
        '- b',
        '',
        '3. three',
        '4. four',
        '',
        '> quoted',
        '',
        '```python',
        'print("<b>")',
        '```',
        '',
        '| a | b |',
        '|---|---|',
        '| 1 | 2 |'
      ].join('\n')
    );
    const tags = new Set(elements(nodes).map(e => e.tag));
    for (const tag of tags) {
      assert.ok(
        (ALLOWED_TAGS as readonly string[]).includes(tag),
        `unexpected ${tag}`
      );
    }
    for (const tag of [
      'h1',
      'strong',
      'em',
      's',
      'code',
      'br',
      'ul',
      'li',
      'ol',
      'blockquote',
      'pre',
      'table',
      'td'
    ]) {
      assert.ok(tags.has(tag as IMarkdownElement['tag']), `no ${tag}`);
    }
    const ol = elements(nodes).find(e => e.tag === 'ol');
    assert.deepEqual(ol?.attrs, { start: '3' });
    // tight list items hold their text directly, without paragraphs
    const li = elements(nodes).find(e => e.tag === 'li');
    assert.deepEqual(li?.children, ['a']);
    // code keeps its text as text
    const pre = elements(nodes).find(e => e.tag === 'pre');
    assert.equal(markdownText(pre?.children ?? []), 'print("<b>")');
  });

  it('should give no element an attribute besides href and start', () => {
    const nodes = parseMarkdown(
      '[a](https://x.org "title") <a href="https://x.org" onclick="x()">b</a>'
    );
    for (const element of elements(nodes)) {
      for (const key of Object.keys(element.attrs)) {
        assert.ok(key === 'href' || key === 'start', key);
      }
    }
  });
});

describe('markdownText', () => {
  it('should flatten a message for announcements', () => {
    assert.equal(
      markdownText(parseMarkdown('**Hi** _all_\n\n- one\n- two')),
      'Hi all one two'
    );
  });
});
