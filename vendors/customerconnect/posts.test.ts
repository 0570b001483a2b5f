import { describe, expect, it } from 'vitest';
import { addDays, dateRange, isIsoDate } from './dates';
import { planCapacityPosts } from './posts';

const days = (dates: string[]) => dates.map((date) => ({ date, openingHours: [], capacity: [] }));
const shape = (dates: string[]) => planCapacityPosts(days(dates)).map((p) => p.map((d) => d.date));

describe('planCapacityPosts', () => {
  it('cuts consecutive runs into five-day posts and one-day posts', () => {
    expect(shape(['2030-01-01']).map((p) => p.length)).toEqual([1]);
    expect(shape(dateRange('2030-01-01', '2030-01-05')).map((p) => p.length)).toEqual([5]);
    expect(shape(dateRange('2030-01-01', '2030-01-07')).map((p) => p.length)).toEqual([5, 1, 1]);
    expect(shape(dateRange('2030-01-01', '2030-01-12')).map((p) => p.length)).toEqual([5, 5, 1, 1]);
    expect(shape(dateRange('2030-01-01', '2030-01-04')).map((p) => p.length)).toEqual([1, 1, 1, 1]);
  });

  it('never puts a gap inside a five-day post and sorts the input', () => {
    const dates = [...dateRange('2030-02-24', '2030-03-02'), ...dateRange('2030-03-04', '2030-03-08')].reverse();
    expect(shape(dates)).toEqual([
      ['2030-02-24', '2030-02-25', '2030-02-26', '2030-02-27', '2030-02-28'],
      ['2030-03-01'],
      ['2030-03-02'],
      ['2030-03-04', '2030-03-05', '2030-03-06', '2030-03-07', '2030-03-08'],
    ]);
  });
});

describe('dates', () => {
  it('knows real dates and crosses month and DST boundaries', () => {
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2030-02-29')).toBe(false);
    expect(isIsoDate('2030-1-01')).toBe(false);
    expect(addDays('2030-03-30', 2)).toBe('2030-04-01');
    expect(dateRange('2030-10-26', '2030-10-28')).toEqual(['2030-10-26', '2030-10-27', '2030-10-28']);
  });
});
