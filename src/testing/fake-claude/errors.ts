/** Error type the real API uses for each HTTP status it returns. */
const ERROR_TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const DEFAULT_MESSAGES: Readonly<Record<string, string>> = {
  invalid_request_error: 'Invalid request',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low to access the Anthropic API.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'Not found',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of requests has exceeded your rate limit.',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out',
  overloaded_error: 'Overloaded',
};

/** The error type the real API would send with `status`. */
export function errorTypeForStatus(status: number): string {
  return ERROR_TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** The HTTP status the real API pairs with `errorType`; unknown types are treated as server errors. */
export function statusForErrorType(errorType: string): number {
  for (const [status, type] of Object.entries(ERROR_TYPE_BY_STATUS)) {
    if (type === errorType) return Number(status);
  }
  return 500;
}

/** A human-readable default message for an error type, close to the real API's wording. */
export function defaultErrorMessage(errorType: string): string {
  return DEFAULT_MESSAGES[errorType] ?? errorType;
}

/** The real API's error JSON: `{"type":"error","error":{type,message},"request_id":...}`. */
export function errorBody(errorType: string, message: string, requestId: string): Record<string, unknown> {
  return { type: 'error', error: { type: errorType, message }, request_id: requestId };
}

/** A request the real API would refuse; thrown by the validators and turned into an error reply. */
export class ApiRejection extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRejection';
  }
}

/** Throws a 400 invalid_request_error whose message starts with the JSON path, like the real API's. */
export function reject(path: string, message: string): never {
  throw new ApiRejection(400, 'invalid_request_error', path ? `${path}: ${message}` : message);
}
