/** Error mapping for cases a loopback server cannot produce (e.g. a SYN that is never answered). */
import { describe, expect, it } from 'vitest';
import {
  classifyStatus,
  classifyStreamError,
  classifyTransportError,
  errorBodyMessage,
  errorEventShape,
  errorShapeOf,
} from './errors.ts';

const withCode = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('classifyTransportError', () => {
  it('maps connect failures, including a dual-stack AggregateError', () => {
    expect(classifyTransportError(withCode('ECONNREFUSED'))).toBe('connect');
    expect(classifyTransportError(withCode('ENOTFOUND'))).toBe('connect');
    const agg = new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect');
    expect(classifyTransportError(agg)).toBe('connect');
    expect(classifyTransportError(new Error('wrapped', { cause: withCode('EHOSTUNREACH') }))).toBe('connect');
  });

  it('maps undici timeouts and socket errors', () => {
    expect(classifyTransportError(withCode('UND_ERR_CONNECT_TIMEOUT'))).toBe('timeout_connect');
    expect(classifyTransportError(withCode('UND_ERR_HEADERS_TIMEOUT'))).toBe('timeout_first_byte');
    expect(classifyTransportError(withCode('UND_ERR_BODY_TIMEOUT'))).toBe('timeout_idle');
    expect(classifyTransportError(withCode('UND_ERR_SOCKET', 'other side closed'))).toBe('reset');
    expect(classifyTransportError(withCode('ECONNRESET'))).toBe('reset');
    expect(classifyTransportError(new Error('unknown'))).toBe('reset');
  });
});

describe('classifyStatus', () => {
  it('separates 429 from other 4xx, and 5xx', () => {
    expect(classifyStatus(200)).toBeUndefined();
    expect(classifyStatus(400)).toBe('http_4xx');
    expect(classifyStatus(404)).toBe('http_4xx');
    expect(classifyStatus(429)).toBe('http_429');
    expect(classifyStatus(503)).toBe('http_5xx');
  });

  it('maps an in-stream error event by its code', () => {
    expect(classifyStreamError({ message: 'x', code: 400 })).toBe('http_4xx');
    expect(classifyStreamError({ message: 'x', code: '429' })).toBe('http_429');
    expect(classifyStreamError({ message: 'x' })).toBe('http_5xx');
  });
});

describe('errorBodyMessage', () => {
  it('reads OpenAI, FastAPI and plain bodies', () => {
    expect(errorBodyMessage('{"error":{"message":"bad","type":"BadRequestError","code":400}}')).toBe('bad');
    expect(errorBodyMessage('{"detail":"Not Found"}')).toBe('Not Found');
    expect(errorBodyMessage('upstream down')).toBe('upstream down');
  });
});

describe('errorShapeOf / errorEventShape', () => {
  it('reads every error shape sent after a 200', () => {
    expect(errorShapeOf({ error: { message: 'engine died', code: 500 } })).toEqual({
      cls: 'http_5xx',
      message: 'engine died',
    });
    expect(errorShapeOf({ object: 'error', message: 'too long', type: 'BadRequestError', code: 400 })).toEqual({
      cls: 'http_4xx',
      message: 'too long',
    });
    expect(errorShapeOf({ error: 'upstream exploded' })).toEqual({ cls: 'http_5xx', message: 'upstream exploded' });
    expect(errorShapeOf({ id: 'x', choices: [] })).toBeUndefined();
    expect(errorShapeOf('error')).toBeUndefined();
  });

  it('reads an `event: error` body as JSON of any shape, or as text', () => {
    expect(errorEventShape('{"message":"overloaded","code":429}')).toEqual({ cls: 'http_429', message: 'overloaded' });
    expect(errorEventShape('{"error":{"message":"bad","code":400}}')).toEqual({ cls: 'http_4xx', message: 'bad' });
    expect(errorEventShape('backend went away')).toEqual({ cls: 'http_5xx', message: 'backend went away' });
  });
});
