/**
 * The shared whiteboard: tools (select and move, pen, line, arrow,
 * rectangle, ellipse, text, eraser), colour and width, undo and redo of your
 * own changes, pan (drag with the middle button or the select tool on empty
 * board, or scroll) and zoom (Ctrl + scroll, or the buttons), the others'
 * pointers, "clear board" for the host, export as SVG or PNG.
 */
import * as React from 'react';

import { downloadBlob, downloadText } from '../../common/download';
import { useStore } from '../../common/hooks';
import type { SharedDoc } from '../sharedDoc';
import { DocStatus, OpenTabButton } from '../DocStatus';
import {
  ARROW_MARKER,
  boardSvg,
  bounds,
  hitTest,
  IShape,
  shapeSvg,
  ShapeType,
  translate
} from './shapes';
import { WhiteboardModel } from './whiteboardModel';

type Tool = 'select' | ShapeType | 'eraser';
const TOOLS: Array<[Tool, string, string]> = [
  ['select', '⬚', 'Select and move (Delete removes)'],
  ['pen', '✎', 'Pen'],
  ['line', '╱', 'Line'],
  ['arrow', '➝', 'Arrow'],
  ['rect', '▭', 'Rectangle'],
  ['ellipse', '◯', 'Ellipse'],
  ['text', 'T', 'Text'],
  ['eraser', '⌫', 'Eraser']
];
const COLORS = [
  '#222222',
  '#d62728',
  '#1f77b4',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd'
];
const WIDTHS = [1, 2, 4, 8];

export interface IWhiteboardProps {
  shared: SharedDoc;
  me: string;
  /** Shows "Clear board" (the server allows it to the host and co-hosts). */
  canClear: boolean;
  onClear?(): Promise<void>;
  /** Shows "Open in a tab". */
  onOpenTab?(): void;
}

interface IView {
  x: number;
  y: number;
  scale: number;
}

type Gesture =
  | { kind: 'draw'; shape: IShape }
  | { kind: 'move'; id: string; from: [number, number]; by: [number, number] }
  | { kind: 'pan'; from: [number, number]; view: IView }
  | { kind: 'erase' };

export function Whiteboard(props: IWhiteboardProps): React.ReactElement {
  const { shared, me } = props;
  const model = React.useMemo(
    () => new WhiteboardModel(shared, me),
    [shared, me]
  );
  React.useEffect(() => () => model.dispose(), [model]);
  const state = useStore(model);
  const docState = useStore(shared);
  const editable = shared.editable; // of docState, read again on each change

  const [tool, setTool] = React.useState<Tool>('pen');
  const [color, setColor] = React.useState(COLORS[0]!);
  const [width, setWidth] = React.useState(2);
  const [view, setView] = React.useState<IView>({ x: 0, y: 0, scale: 1 });
  // The gesture in progress, read by the pointer handlers from a ref: pointer
  // events can arrive faster than React renders, and a handler that read the
  // state would see the gesture as it was a render ago (a quick drag would end
  // as a zero-size shape and be dropped).
  const [gesture, setGestureState] = React.useState<Gesture | null>(null);
  const currentGesture = React.useRef<Gesture | null>(null);
  const setGesture = (next: Gesture | null): void => {
    currentGesture.current = next;
    setGestureState(next);
  };
  const [selected, setSelected] = React.useState<string | null>(null);
  const [typing, setTyping] = React.useState<{
    x: number;
    y: number;
    text: string;
  } | null>(null);
  const [confirmClear, setConfirmClear] = React.useState(false);
  const svg = React.useRef<SVGSVGElement>(null);
  const lastPointer = React.useRef(0);

  const toBoard = (
    event: React.PointerEvent | React.WheelEvent
  ): [number, number] => {
    const rect = svg.current!.getBoundingClientRect();
    return [
      (event.clientX - rect.left - view.x) / view.scale,
      (event.clientY - rect.top - view.y) / view.scale
    ];
  };
  const topmostAt = (x: number, y: number): string | null => {
    for (let i = state.shapes.length - 1; i >= 0; i--) {
      const [id, shape] = state.shapes[i]!;
      if (hitTest(shape, x, y, 6 / view.scale)) {
        return id;
      }
    }
    return null;
  };

  const onPointerDown = (event: React.PointerEvent<SVGSVGElement>): void => {
    svg.current?.setPointerCapture(event.pointerId);
    const [x, y] = toBoard(event);
    const hit = topmostAt(x, y);
    if (
      event.button === 1 ||
      !editable ||
      (tool === 'select' && hit === null)
    ) {
      setSelected(null);
      setGesture({ kind: 'pan', from: [event.clientX, event.clientY], view });
      return;
    }
    switch (tool) {
      case 'select':
        setSelected(hit);
        setGesture({ kind: 'move', id: hit!, from: [x, y], by: [0, 0] });
        break;
      case 'eraser':
        if (hit !== null) {
          model.remove([hit]);
        }
        setGesture({ kind: 'erase' });
        break;
      case 'text':
        setTyping({ x, y, text: '' });
        break;
      default:
        setGesture({
          kind: 'draw',
          shape: {
            type: tool,
            points: tool === 'pen' ? [x, y] : [x, y, x, y],
            color,
            width,
            z: Infinity,
            author: me
          }
        });
    }
  };

  const onPointerMove = (event: React.PointerEvent<SVGSVGElement>): void => {
    const [x, y] = toBoard(event);
    const now = Date.now();
    if (now - lastPointer.current > 50) {
      lastPointer.current = now;
      model.setPointer({ x, y });
    }
    const gesture = currentGesture.current;
    if (gesture === null) {
      return;
    }
    switch (gesture.kind) {
      case 'pan':
        setView({
          ...gesture.view,
          x: gesture.view.x + event.clientX - gesture.from[0],
          y: gesture.view.y + event.clientY - gesture.from[1]
        });
        break;
      case 'move':
        setGesture({
          ...gesture,
          by: [x - gesture.from[0], y - gesture.from[1]]
        });
        break;
      case 'erase': {
        const hit = topmostAt(x, y);
        if (hit !== null) {
          model.remove([hit]);
        }
        break;
      }
      case 'draw': {
        const points =
          gesture.shape.type === 'pen'
            ? [...gesture.shape.points, x, y]
            : [gesture.shape.points[0]!, gesture.shape.points[1]!, x, y];
        setGesture({ kind: 'draw', shape: { ...gesture.shape, points } });
      }
    }
  };

  const onPointerUp = (): void => {
    const gesture = currentGesture.current;
    if (gesture?.kind === 'draw') {
      const { type, points } = gesture.shape;
      const moved =
        Math.abs(points[0]! - points[points.length - 2]!) +
        Math.abs(points[1]! - points[points.length - 1]!);
      if (moved > 1 || type === 'pen') {
        model.add({ type, points, color, width });
      }
    } else if (gesture?.kind === 'move') {
      const shape = state.shapes.find(([id]) => id === gesture.id)?.[1];
      if (shape !== undefined && (gesture.by[0] !== 0 || gesture.by[1] !== 0)) {
        model.update(
          gesture.id,
          translate(shape, gesture.by[0], gesture.by[1])
        );
      }
    }
    setGesture(null);
  };

  const onWheel = (event: React.WheelEvent<SVGSVGElement>): void => {
    if (event.ctrlKey || event.metaKey) {
      const rect = svg.current!.getBoundingClientRect();
      zoomAt(
        event.deltaY < 0 ? 1.1 : 1 / 1.1,
        event.clientX - rect.left,
        event.clientY - rect.top
      );
    } else {
      setView(v => ({ ...v, x: v.x - event.deltaX, y: v.y - event.deltaY }));
    }
  };
  const zoomAt = (factor: number, cx: number, cy: number): void =>
    setView(v => {
      const scale = Math.min(Math.max(v.scale * factor, 0.2), 5);
      return {
        scale,
        x: cx - ((cx - v.x) * scale) / v.scale,
        y: cy - ((cy - v.y) * scale) / v.scale
      };
    });

  const onKeyDown = (event: React.KeyboardEvent): void => {
    const mod = event.ctrlKey || event.metaKey;
    if (mod && event.key.toLowerCase() === 'z') {
      event.preventDefault();
      if (event.shiftKey) {
        model.redo();
      } else {
        model.undo();
      }
    } else if (mod && event.key.toLowerCase() === 'y') {
      event.preventDefault();
      model.redo();
    } else if (
      (event.key === 'Delete' || event.key === 'Backspace') &&
      selected !== null &&
      editable
    ) {
      event.preventDefault();
      model.remove([selected]);
      setSelected(null);
    }
  };

  const commitText = (): void => {
    if (typing !== null && typing.text.trim() !== '') {
      model.add({
        type: 'text',
        points: [typing.x, typing.y],
        color,
        width,
        text: typing.text,
        size: 16
      });
    }
    setTyping(null);
  };

  const exportPng = (): void => {
    const image = new Image();
    const source = boardSvg(state.shapes);
    image.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = image.width * 2;
      canvas.height = image.height * 2;
      const context = canvas.getContext('2d')!;
      context.scale(2, 2);
      context.drawImage(image, 0, 0);
      canvas.toBlob(
        blob => blob && downloadBlob(blob, 'whiteboard.png'),
        'image/png'
      );
    };
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(source)}`;
  };

  const drawn = state.shapes.map(([id, shape]): [string, IShape] =>
    gesture?.kind === 'move' && gesture.id === id
      ? [id, translate(shape, ...gesture.by)]
      : [id, shape]
  );
  if (gesture?.kind === 'draw') {
    drawn.push(['draft', gesture.shape]);
  }
  const selection = drawn.find(([id]) => id === selected)?.[1];

  return (
    <div
      className="jp-StudySession-whiteboard"
      data-testid="studysession-whiteboard"
    >
      <div
        className="jp-StudySession-docToolbar"
        role="toolbar"
        aria-label="Whiteboard tools"
      >
        {TOOLS.map(([name, symbol, label]) => (
          <button
            key={name}
            type="button"
            className="jp-StudySession-toolButton"
            aria-pressed={tool === name}
            aria-label={label}
            title={label}
            data-tool={name}
            disabled={!editable}
            onClick={() => setTool(name)}
          >
            {symbol}
          </button>
        ))}
        <span className="jp-StudySession-toolSeparator" />
        {COLORS.map(c => (
          <button
            key={c}
            type="button"
            className="jp-StudySession-swatch"
            style={{ background: c }}
            aria-pressed={color === c}
            aria-label={`Colour ${c}`}
            disabled={!editable}
            onClick={() => setColor(c)}
          />
        ))}
        <select
          aria-label="Line width"
          value={width}
          disabled={!editable}
          onChange={event => setWidth(Number(event.target.value))}
        >
          {WIDTHS.map(w => (
            <option key={w} value={w}>
              {w} px
            </option>
          ))}
        </select>
        <span className="jp-StudySession-toolSeparator" />
        <button
          type="button"
          className="jp-StudySession-toolButton"
          aria-label="Undo"
          title="Undo your last change (Ctrl+Z)"
          disabled={!editable || !state.canUndo}
          onClick={() => model.undo()}
        >
          ↶
        </button>
        <button
          type="button"
          className="jp-StudySession-toolButton"
          aria-label="Redo"
          title="Redo (Ctrl+Shift+Z)"
          disabled={!editable || !state.canRedo}
          onClick={() => model.redo()}
        >
          ↷
        </button>
        <button
          type="button"
          className="jp-StudySession-toolButton"
          aria-label="Zoom out"
          onClick={() => zoomAt(1 / 1.25, 0, 0)}
        >
          −
        </button>
        <button
          type="button"
          className="jp-StudySession-toolButton"
          aria-label="Reset the view"
          title="Reset the view"
          onClick={() => setView({ x: 0, y: 0, scale: 1 })}
        >
          {Math.round(view.scale * 100)}%
        </button>
        <button
          type="button"
          className="jp-StudySession-toolButton"
          aria-label="Zoom in"
          onClick={() => zoomAt(1.25, 0, 0)}
        >
          +
        </button>
        <span className="jp-StudySession-toolSeparator" />
        <button
          type="button"
          className="jp-StudySession-linkButton"
          onClick={() =>
            downloadText(
              boardSvg(state.shapes),
              'whiteboard.svg',
              'image/svg+xml'
            )
          }
        >
          SVG
        </button>
        <button
          type="button"
          className="jp-StudySession-linkButton"
          onClick={exportPng}
        >
          PNG
        </button>
        {props.canClear &&
          editable &&
          (confirmClear ? (
            <span role="group" aria-label="Clear the board?">
              Clear for everyone?{' '}
              <button
                type="button"
                className="jp-StudySession-linkButton"
                data-testid="studysession-whiteboard-clear-yes"
                onClick={() => {
                  setConfirmClear(false);
                  void props.onClear?.();
                }}
              >
                Clear
              </button>
              <button
                type="button"
                className="jp-StudySession-linkButton"
                onClick={() => setConfirmClear(false)}
              >
                Keep
              </button>
            </span>
          ) : (
            <button
              type="button"
              className="jp-StudySession-linkButton"
              data-testid="studysession-whiteboard-clear"
              onClick={() => setConfirmClear(true)}
            >
              Clear board
            </button>
          ))}
        <OpenTabButton onOpenTab={props.onOpenTab} />
      </div>
      <DocStatus state={docState} what="whiteboard" />
      <div className="jp-StudySession-boardArea">
        <svg
          ref={svg}
          className={`jp-StudySession-board jp-mod-tool-${editable ? tool : 'view'}`}
          data-testid="studysession-board"
          data-shapes={state.shapes.length}
          tabIndex={0}
          aria-label="Whiteboard"
          role="img"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerLeave={() => model.setPointer(null)}
          onWheel={onWheel}
          onKeyDown={onKeyDown}
        >
          <defs dangerouslySetInnerHTML={{ __html: ARROW_MARKER }} />
          <g transform={`translate(${view.x} ${view.y}) scale(${view.scale})`}>
            <g
              dangerouslySetInnerHTML={{
                // values checked by parseShape, text and ids escaped by shapeSvg
                __html: drawn.map(([id, shape]) => shapeSvg(shape, id)).join('')
              }}
            />
            {selection !== undefined && <Selection shape={selection} />}
            {state.pointers.map(p => (
              <g
                key={p.clientId}
                className="jp-StudySession-pointer"
                transform={`translate(${p.x} ${p.y})`}
                data-testid="studysession-pointer"
              >
                <circle r={4 / view.scale} fill={p.color} />
                <text
                  x={8 / view.scale}
                  y={4 / view.scale}
                  fontSize={12 / view.scale}
                  fill={p.color}
                >
                  {p.name}
                </text>
              </g>
            ))}
          </g>
        </svg>
        {typing !== null && (
          <input
            className="jp-StudySession-boardText"
            aria-label="Text on the board"
            autoFocus
            style={{
              left: typing.x * view.scale + view.x,
              top: typing.y * view.scale + view.y - 12
            }}
            value={typing.text}
            onChange={event =>
              setTyping({ ...typing, text: event.target.value })
            }
            onKeyDown={event => {
              if (event.key === 'Enter') {
                commitText();
              } else if (event.key === 'Escape') {
                setTyping(null);
              }
            }}
            onBlur={commitText}
          />
        )}
      </div>
    </div>
  );
}

function Selection(props: { shape: IShape }): React.ReactElement {
  const box = bounds(props.shape);
  return (
    <rect
      className="jp-StudySession-selection"
      x={box.x0 - 4}
      y={box.y0 - 4}
      width={box.x1 - box.x0 + 8}
      height={box.y1 - box.y0 + 8}
      fill="none"
    />
  );
}
