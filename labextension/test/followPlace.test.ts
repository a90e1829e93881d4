import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Coalescer } from '../src/follow/coalesce';
import { headingOf, ICellInfo, locate, placeOf } from '../src/follow/place';

/** A notebook: `#` strings are heading cells, the others code cells (their id). */
function cells(...items: string[]): ICellInfo[] {
  return items.map(item =>
    item.startsWith('#')
      ? { id: `h-${item.slice(1)}`, heading: item.slice(1) }
      : { id: item, heading: null }
  );
}

const lesson = cells(
  'intro',
  '#Eigenvalues',
  'a',
  'b',
  '#Diagonalisation',
  'c'
);

describe('headingOf', () => {
  it('should read the first Markdown heading of a cell', () => {
    assert.equal(headingOf('markdown', '## Eigenvalues\nText'), 'Eigenvalues');
    assert.equal(headingOf('markdown', 'Intro\n\n# Part 2 #'), 'Part 2');
    assert.equal(headingOf('markdown', 'No heading here'), null);
    assert.equal(headingOf('code', '# a comment'), null);
  });
});

describe('placeOf', () => {
  it('should give the cell, its heading and the heading rank', () => {
    assert.deepEqual(placeOf('a.ipynb', lesson, 3, 0.3), {
      notebook_path: 'a.ipynb',
      cell_id: 'b',
      cell_index: 3,
      section: 'Eigenvalues',
      section_index: 1,
      offset: 0.3
    });
    const before = placeOf('a.ipynb', lesson, 0, 0);
    assert.deepEqual([before.section, before.section_index], [null, null]);
    assert.equal(placeOf('a.ipynb', lesson, 5, 0).section_index, 2);
  });

  it('should keep the index and the offset in range', () => {
    const place = placeOf('a.ipynb', lesson, 99, Number.NaN);
    assert.deepEqual([place.cell_index, place.offset], [5, 0]);
    assert.equal(placeOf('a.ipynb', lesson, 1, 50).offset, 10);
  });
});

describe('locate', () => {
  const leader = placeOf('a.ipynb', lesson, 3, 0); // cell "b" under Eigenvalues

  it('should find the same cell by its id wherever it moved', () => {
    const moved = cells('#Eigenvalues', 'new', 'b', 'a');
    assert.deepEqual(locate(moved, leader), {
      index: 2,
      by: 'id',
      differs: null
    });
  });

  it('should fall back to the heading and say the copies differ', () => {
    const other = cells('x', 'y', '#Eigenvalues', 'p', 'q');
    const found = locate(other, leader)!;
    assert.deepEqual([found.index, found.by], [2, 'heading']);
    assert.match(found.differs!, /not in your copy.*Eigenvalues/);
  });

  it('should prefer the heading of the same rank when the text repeats', () => {
    const twice = cells('#Exercises', 'a1', '#Exercises', 'b1');
    const place = {
      ...leader,
      cell_id: 'gone',
      section: 'Exercises',
      section_index: 2
    };
    assert.equal(locate(twice, place)!.index, 2);
  });

  it('should fall back to the index, clamped, when the cell and heading are gone', () => {
    const deleted = cells('intro', 'x');
    const found = locate(deleted, leader)!;
    assert.deepEqual([found.index, found.by], [1, 'index']);
    assert.match(found.differs!, /deleted, or the copies differ/);
    assert.equal(locate([], leader), null);
  });
});

describe('Coalescer', () => {
  it('should send the first value at once and only the newest of a burst after', async () => {
    const sent: number[] = [];
    // the interval is long next to the waits' timer jitter on a loaded machine: the test's
    // timer (250 ms) fires right after the coalescer's (200 ms), however late both are
    const coalescer = new Coalescer<number>(200, value => sent.push(value));
    coalescer.push(1);
    coalescer.push(2);
    coalescer.push(3);
    assert.deepEqual(sent, [1]);
    await new Promise(resolve => setTimeout(resolve, 250));
    assert.deepEqual(sent, [1, 3]);
    coalescer.push(4); // within the interval after 3: held, then cancelled
    coalescer.cancel();
    await new Promise(resolve => setTimeout(resolve, 250));
    assert.deepEqual(sent, [1, 3]);
  });
});
