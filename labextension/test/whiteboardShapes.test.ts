import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  boardSvg,
  hitTest,
  parseShape,
  sortShapes,
  translate
} from '../src/room/whiteboard/shapes';

const rect = parseShape({
  type: 'rect',
  points: [10, 10, 110, 60],
  color: '#1f77b4',
  width: 2,
  z: 1,
  author: 'alice'
})!;

describe('parseShape', () => {
  it('should keep a valid shape and clamp what other clients may send', () => {
    assert.deepEqual(rect.points, [10, 10, 110, 60]);
    const odd = parseShape({
      type: 'pen',
      points: [1, 2, 3, 'x', 5],
      color: 'red; fill: url(evil)',
      width: 1e9
    })!;
    assert.deepEqual(odd.points, [1, 2, 3, 0]);
    assert.equal(odd.color, '#222222');
    assert.equal(odd.width, 64);
  });

  it('should refuse what is not a shape', () => {
    for (const value of [
      null,
      3,
      { type: 'script', points: [1, 2] },
      { type: 'pen', points: [1] }
    ]) {
      assert.equal(parseShape(value), null);
    }
  });
});

describe('hitTest and translate', () => {
  it('should touch a rectangle on its outline, not inside it', () => {
    assert.ok(hitTest(rect, 10, 30));
    assert.ok(hitTest(rect, 60, 61));
    assert.ok(!hitTest(rect, 60, 35));
    assert.ok(!hitTest(rect, 300, 300));
  });

  it('should move every point', () => {
    assert.deepEqual(translate(rect, 5, -5).points, [15, 5, 115, 55]);
  });
});

describe('boardSvg', () => {
  it('should draw shapes bottom first and escape text', () => {
    const text = parseShape({
      type: 'text',
      points: [0, 50],
      text: 'x < y & z',
      z: 0
    })!;
    const svg = boardSvg(
      sortShapes([
        ['b', rect],
        ['a', text]
      ])
    );
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.indexOf('<text') < svg.indexOf('<rect x="10"'));
    assert.ok(svg.includes('x &lt; y &amp; z'));
    assert.ok(
      svg.includes(
        '<rect x="10" y="10" width="100" height="50" fill="none" stroke="#1f77b4"'
      )
    );
  });
});
