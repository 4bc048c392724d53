/** What GraphiQL opens with: a short tour of the API a person can run as it is. */
export const GRAPHIQL_DEFAULT_QUERY = `# Welcome to taskql. Run an operation with the ▶ button.
#
# With authentication on, open the Headers tab below and put your token there:
#   { "Authorization": "Bearer <your token>" }
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
