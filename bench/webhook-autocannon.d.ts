// The part of autocannon's API the webhook benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Request templates; `setupRequest` may rewrite each request before it is sent. */
    requests?: { method?: string; body?: string; setupRequest?: (req: { body?: string }) => { body?: string } }[];
    connections?: number;
    pipelining?: number;
    duration?: number;
    overallRate?: number;
    servername?: string;
  }
  interface Result {
    requests: { total: number; average: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  interface Instance extends PromiseLike<Result> {
    on(event: 'response', cb: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  }
  function autocannon(options: Options): Instance;
  export default autocannon;
}
