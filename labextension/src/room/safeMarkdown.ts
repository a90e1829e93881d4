/**
 * Chat Markdown turned into a tree of allowed elements, never into HTML.
 *
 * The text is parsed by markdown-it with raw HTML off (`<img onerror=…>` stays
 * text) and a link check that accepts only `http:`, `https:` and `mailto:`
 * (a `[x](javascript:…)` link stays text). Its tokens then become plain
 * `{tag, attrs, children}` nodes from a fixed allow-list of tags, with `href`
 * (checked again) and `start` as the only attributes. `Markdown.tsx` draws the
 * tree with React, which escapes every string: nothing a message contains is
 * ever parsed as HTML by the browser, and no script from it can run.
 */
import MarkdownIt from 'markdown-it';

type Token = MarkdownIt.Token;

/** The tags a message may produce; anything else becomes a `span`. */
export const ALLOWED_TAGS = [
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'ul',
  'ol',
  'li',
  'pre',
  'code',
  'em',
  'strong',
  's',
  'a',
  'br',
  'hr',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'span'
] as const;

export type MarkdownTag = (typeof ALLOWED_TAGS)[number];

/** An element of rendered Markdown; only `a` (`href`) and `ol` (`start`) have attributes. */
export interface IMarkdownElement {
  tag: MarkdownTag;
  attrs: { href?: string; start?: string };
  children: MarkdownNode[];
}

/** Text (to be escaped when drawn) or an element. */
export type MarkdownNode = string | IMarkdownElement;

const ALLOWED = new Set<string>(ALLOWED_TAGS);

/** Schemes a link may have. Relative links (no scheme) are refused too. */
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/**
 * Whether `url` may become a link: an absolute `http:`, `https:` or `mailto:`
 * URL. Everything else (`javascript:`, `data:`, `vbscript:`, relative paths,
 * schemes hidden behind encoding or control characters) is refused.
 */
export function isSafeUrl(url: string): boolean {
  const match = /^([a-z][a-z0-9+.-]*:)/i.exec(url.trim());
  return match !== null && SAFE_SCHEMES.has(match[1]!.toLowerCase());
}

const parser = new MarkdownIt('default', {
  html: false,
  linkify: true,
  breaks: true,
  typographer: false
});
// markdown-it's own check refuses javascript:, vbscript:, file: and most
// data: URLs; ours allows only the schemes above
parser.validateLink = isSafeUrl;

/** Parse a message's Markdown into the nodes to draw. */
export function parseMarkdown(text: string): MarkdownNode[] {
  const root: IMarkdownElement = { tag: 'span', attrs: {}, children: [] };
  const stack: IMarkdownElement[] = [root];
  addTokens(parser.parse(text, {}), stack);
  return root.children;
}

/** The plain text of some nodes, for previews and screen-reader announcements. */
export function markdownText(nodes: readonly MarkdownNode[]): string {
  return nodes
    .map(node => {
      if (typeof node === 'string') {
        return node;
      }
      if (node.tag === 'br') {
        return ' ';
      }
      const inner = markdownText(node.children);
      return isBlock(node.tag) ? `${inner} ` : inner;
    })
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

function isBlock(tag: MarkdownTag): boolean {
  return /^(p|h\d|blockquote|ul|ol|li|pre|table|tr|hr)$/.test(tag);
}

function element(
  tag: string,
  attrs: IMarkdownElement['attrs'] = {},
  children: MarkdownNode[] = []
): IMarkdownElement {
  return {
    tag: ALLOWED.has(tag) ? (tag as MarkdownTag) : 'span',
    attrs,
    children
  };
}

function append(parent: IMarkdownElement, node: MarkdownNode): void {
  const last = parent.children[parent.children.length - 1];
  if (typeof node === 'string' && typeof last === 'string') {
    parent.children[parent.children.length - 1] = last + node;
  } else if (node !== '') {
    parent.children.push(node);
  }
}

function attributesOf(token: Token): IMarkdownElement['attrs'] {
  if (token.tag === 'a') {
    const href = String(token.attrGet('href') ?? '');
    return isSafeUrl(href) ? { href } : {};
  }
  if (token.tag === 'ol') {
    const start = Number(token.attrGet('start'));
    return Number.isInteger(start) && start > 1 ? { start: String(start) } : {};
  }
  return {};
}

function addTokens(tokens: readonly Token[], stack: IMarkdownElement[]): void {
  for (const token of tokens) {
    const parent = stack[stack.length - 1]!;
    switch (token.type) {
      case 'inline':
        addTokens(token.children ?? [], stack);
        break;
      case 'text':
      case 'html_inline': // not produced with html: false; kept as text anyway
      case 'html_block':
        append(parent, token.content);
        break;
      case 'code_inline':
        append(parent, element('code', {}, [token.content]));
        break;
      case 'fence':
      case 'code_block':
        append(
          parent,
          element('pre', {}, [element('code', {}, [token.content])])
        );
        break;
      case 'softbreak':
      case 'hardbreak':
        append(parent, element('br'));
        break;
      case 'hr':
        append(parent, element('hr'));
        break;
      case 'image': {
        // never loaded: a link to the picture, named by its alt text
        const src = String(token.attrGet('src') ?? '');
        const alt = token.content || src;
        append(
          parent,
          isSafeUrl(src) ? element('a', { href: src }, [alt]) : alt
        );
        break;
      }
      default:
        if (token.hidden) {
          break; // the paragraphs of a tight list: their content only
        }
        if (token.nesting === 1) {
          const node = element(token.tag, attributesOf(token));
          append(parent, node);
          stack.push(node);
        } else if (token.nesting === -1) {
          if (stack.length > 1) {
            stack.pop();
          }
        } else if (token.content) {
          append(parent, token.content);
        }
    }
  }
}
