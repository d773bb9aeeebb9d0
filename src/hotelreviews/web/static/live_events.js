/* Following GET /api/v1/events as the signed-in person (docs/web.md, "Live progress").

   An EventSource cannot send the Authorization header, and the access token lives in memory
   only (session.js), so the stream is read with fetch() (HR.authFetch: the bearer token, one
   refresh on a 401) and its text/event-stream parsed here: `id:`, `event:`, `data:` and
   `retry:` fields, a blank line ending a message, ":" a comment (the heartbeat). About forty
   lines of parsing did not justify a dependency: the npm polyfills of EventSource that take
   headers carry their own reconnection rules, which this page needs to own (stop when
   hidden, fall back to polling when refused).

   After a drop, or a `reconnect` event (the server ends a stream whose client fell behind,
   or that it is stopping), it connects again with the Last-Event-ID header, first after the
   server's `retry:` hint, then backing off up to a minute; the server replays what was
   missed. It disconnects while the page is hidden and resumes, from where it was, when it
   shows again. A refusal (any answer but 200 text/event-stream, e.g. 503
   event_streams_busy) ends it: `onRefused(problem)`, and the caller polls instead. */
"use strict";

(function (HR) {
  const MAX_BACKOFF_MS = 60000;

  /* A parser of the stream's text as it arrives (chunks cut anywhere): `onMessage({id,
     event, data})` per message with data, `onBlock(fields)` per block (the retry hint). */
  function parser(onMessage, onBlock) {
    let pending = "";
    let fields = {};
    let data = [];
    function line(text) {
      if (text === "") {
        if (data.length) onMessage({ id: fields.id, event: fields.event || "message", data: data.join("\n") });
        else if (Object.keys(fields).length) onBlock(fields);
        fields = {};
        data = [];
        return;
      }
      if (text.startsWith(":")) return;
      const colon = text.indexOf(":");
      const name = colon === -1 ? text : text.slice(0, colon);
      const value = colon === -1 ? "" : text.slice(colon + 1).replace(/^ /, "");
      if (name === "data") data.push(value);
      else if (name === "event" || name === "id" || name === "retry") fields[name] = value;
    }
    return function feed(chunk) {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop();
      for (const text of lines) line(text.endsWith("\r") ? text.slice(0, -1) : text);
    };
  }

  /* Follow the events the query `params` selects, from now on. Handlers: onEvent({id, event,
     data}) with data parsed, onLive() each time a connection is subscribed (the retry hint:
     whatever commits from then on arrives), onRefused(problem). Returns {stop()}. */
  function follow(params, { onEvent, onLive, onRefused }) {
    let lastId = null; // what Last-Event-ID says on the next connection
    let retryMs = 1000;
    let failures = 0;
    let stopped = false;
    let connection = null; // the AbortController of the open connection
    let timer = null;

    function parseMessage(message) {
      if (message.id !== undefined) lastId = message.id;
      const data = JSON.parse(message.data);
      if (message.event === "reconnect") {
        lastId = String(data.last_event_id);
        return;
      }
      onEvent({ id: message.id, event: message.event, data });
    }

    function parseBlock(fields) {
      if (fields.id !== undefined) lastId = fields.id; // where a live-only stream starts
      if (fields.retry !== undefined && /^\d+$/.test(fields.retry)) {
        retryMs = Number(fields.retry);
        failures = 0; // subscribed: the backoff starts again
        if (onLive) onLive();
      }
    }

    async function connect() {
      timer = null;
      if (stopped || document.hidden) return;
      const controller = new AbortController();
      connection = controller;
      const headers = { Accept: "text/event-stream" };
      if (lastId !== null) headers["Last-Event-ID"] = lastId;
      let response;
      try {
        response = await HR.authFetch(HR.apiUrl("/events", params), { headers, signal: controller.signal, cache: "no-store" });
      } catch (error) {
        return again(controller); // offline, or aborted
      }
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.startsWith("text/event-stream")) {
        const body = await response.json().catch(() => null);
        stop();
        onRefused(new HR.ApiProblem(response.status, body));
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const feed = parser(parseMessage, parseBlock);
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          feed(decoder.decode(value, { stream: true }));
        }
      } catch (error) {
        // Dropped (the network, the server going away) or aborted (hidden, stopped).
      }
      again(controller);
    }

    /* Connect again after the hint, doubling the wait with each failure in a row; the
       jitter keeps a restarted server's clients from all coming back at once. */
    function again(controller) {
      if (controller !== connection) return; // superseded: hidden then shown again
      connection = null;
      if (stopped || document.hidden) return;
      const wait = Math.min(MAX_BACKOFF_MS, retryMs * 2 ** failures);
      failures += 1;
      timer = window.setTimeout(connect, wait / 2 + Math.random() * (wait / 2));
    }

    function disconnect() {
      if (timer !== null) window.clearTimeout(timer);
      timer = null;
      const open = connection;
      connection = null;
      if (open) open.abort();
    }

    function onVisibility() {
      if (document.hidden) disconnect();
      else if (!connection && timer === null) connect();
    }

    function stop() {
      stopped = true;
      document.removeEventListener("visibilitychange", onVisibility);
      disconnect();
    }

    document.addEventListener("visibilitychange", onVisibility);
    connect();
    return { stop };
  }

  HR.liveEvents = { follow, parser };
})(window.HR);
