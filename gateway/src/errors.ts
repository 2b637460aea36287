/** An error whose code and message are safe to show to the client. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const invalidPayload = (message: string) => new ApiError(400, 'invalid_payload', message);
