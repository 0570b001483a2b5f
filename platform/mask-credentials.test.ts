import { describe, expect, it } from 'vitest';
import { maskCredentials } from './mask-credentials';

describe('maskCredentials', () => {
  it('masks the password of well-formed and malformed connection strings, wherever they sit in a text', () => {
    expect(maskCredentials('DATABASE_URL="postgres://admin:S3cretPw@db.example:5432x/app": Invalid url')).toBe('DATABASE_URL="postgres://admin:***@db.example:5432x/app": Invalid url');
    expect(maskCredentials('postgres://admin:p@ss/w0rd@db/app')).toBe('postgres://admin:***@db/app');
    expect(maskCredentials('redis://:S3cretPw@redis host:6379')).toBe('redis://:***@redis host:6379');
    expect(maskCredentials('cannot reach redis://S3cretPw@10.0.0.1:6379 (ECONNREFUSED)')).toBe('cannot reach redis://***@10.0.0.1:6379 (ECONNREFUSED)');
  });
  it('leaves URLs without credentials alone', () => {
    expect(maskCredentials('http://127.0.0.1:4101/api and postgres://db/app')).toBe('http://127.0.0.1:4101/api and postgres://db/app');
  });
});
