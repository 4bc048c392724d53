/** GraphiQL as taskql serves it: bundled (no CDN), with a tour of the API and working credentials. */
import { renderGraphiQL as renderYogaGraphiQL } from '@graphql-yoga/render-graphiql';

/** What GraphiQL opens with: a short tour of the API a person can run as it is. */
export const GRAPHIQL_DEFAULT_QUERY = `# Welcome to taskql. Run an operation with the ▶ button.
#
# With authentication on, open the Headers tab below and put your token there:
#   { "Authorization": "Bearer <your token>" }
# Queries and mutations send it as an HTTP header; subscriptions send it as the WebSocket's
# connectionParams when they connect.
#
# 1. Enqueue a task that sleeps 5 s in 10 steps, and copy its id:
mutation Enqueue {
  enqueueTask(input: { type: "sleep", input: { ms: 5000, steps: 10 } }) {
    task { id state version }
  }
}

# 2. Watch it live (subscriptions run over the WebSocket); paste the id:
subscription Watch($id: ID! = "paste-the-id") {
  taskUpdated(id: $id) {
    state version
    progress { percent message }
    result
  }
}

# 3. Its recorded history:
query History($id: ID! = "paste-the-id") {
  task(id: $id) {
    state result attempts { number outcome error { message } }
    events { version type state at }
  }
}

# The task types this deployment runs, with their input schemas:
query Types {
  taskTypes { name queue description maxAttempts timeoutMs inputSchema }
}
`;

/**
 * Yoga's GraphiQL sends the Headers tab with HTTP requests but, over the WebSocket, only inside
 * each operation's `extensions` — never in `connection_init`, where taskql (like graphql-ws
 * servers generally) authenticates a socket (graphql/graphiql#3736). GraphiQL has no option for
 * it, so this script, run before GraphiQL loads, adds the tab's Authorization header to the
 * `connection_init` payload as `authorization`, the contract's connectionParams. GraphiQL keeps
 * the tab in localStorage (`graphiql:headers`); its socket reconnects for each new subscription
 * after the last one ended, so an edited token applies to the next run.
 */
const CONNECTION_PARAMS_FROM_HEADERS = `<script>
(() => {
  const headerAuthorization = () => {
    try {
      const headers = JSON.parse(localStorage.getItem('graphiql:headers') || '{}');
      const name = Object.keys(headers).find((key) => key.toLowerCase() === 'authorization');
      return name ? String(headers[name]) : null;
    } catch {
      return null;
    }
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    send(data) {
      if (typeof data === 'string' && data.includes('"connection_init"')) {
        const message = JSON.parse(data);
        const authorization = headerAuthorization();
        if (message.type === 'connection_init' && authorization && !message.payload?.authorization) {
          data = JSON.stringify({ ...message, payload: { ...message.payload, authorization } });
        }
      }
      super.send(data);
    }
  };
})();
</script>`;

/** GraphiQL's page: Yoga's bundled GraphiQL, with the Headers tab reaching WebSocket connections. */
export function renderGraphiQL(options: Parameters<typeof renderYogaGraphiQL>[0]): string {
  // The first <head> is the page's own (GraphiQL's code comes later, in the body).
  return renderYogaGraphiQL(options).replace('<head>', `<head>${CONNECTION_PARAMS_FROM_HEADERS}`);
}
