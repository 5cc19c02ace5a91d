// The one way the browser talks to the REST API (/api/v1/): same-origin session cookie,
// Django's CSRF token on writes, and the API's error body turned into an ApiError whose
// message a person can read.

export interface ApiErrorBody {
  detail: string;
  code: string;
  fields: Record<string, string[]>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string[]>;

  constructor(status: number, body: ApiErrorBody) {
    super(body.detail);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.fields = body.fields;
  }

  /** The detail followed by each field's messages: what a form shows under its button. */
  describe(): string {
    const fieldLines = Object.entries(this.fields).map(([field, messages]) =>
      field === "non_field_errors" ? messages.join(" ") : `${field}: ${messages.join(" ")}`,
    );
    const extra = fieldLines.filter((line) => !this.message.includes(line));
    return [this.message, ...extra].join("\n");
  }
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export const API = "/api/v1";

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match?.[1] ? decodeURIComponent(match[1]) : "";
}

type Query = Record<string, string | number | boolean | null | undefined | (string | number)[]>;

/** "/events/3/images/" + {page: 2, source: ["gibs"]} -> "/api/v1/events/3/images/?page=2&source=gibs" */
export function apiUrl(path: string, query?: Query): string {
  const url = path.startsWith("/api/") ? path : `${API}${path}`;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${url}${url.includes("?") ? "&" : "?"}${qs}` : url;
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  query?: Query;
  /** JSON body (objects) or a FormData (multipart uploads). */
  body?: unknown;
  signal?: AbortSignal;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: ApiErrorBody = {
    detail: `${response.status} ${response.statusText}`.trim(),
    code: "http_error",
    fields: {},
  };
  try {
    const parsed: unknown = await response.json();
    if (parsed && typeof parsed === "object" && "detail" in parsed) {
      body = { ...body, ...(parsed as Partial<ApiErrorBody>) } as ApiErrorBody;
    }
  } catch {
    // not JSON (a proxy's page): keep the status line
  }
  return new ApiError(response.status, body);
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) {
    body = options.body;
  } else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, {
      detail: "The server could not be reached. Check the connection and try again.",
      code: "network_error",
      fields: {},
    });
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A message for anything thrown by api(): the API's own words when there are some. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}
