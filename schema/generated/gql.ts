/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment TaskFields on Task {\n  id\n  type\n  queue\n  state\n  input\n  result\n  error {\n    name\n    message\n    stack\n    retryable\n  }\n  progress {\n    percent\n    message\n    data\n    updatedAt\n  }\n  attempt\n  maxAttempts\n  attempts {\n    number\n    startedAt\n    finishedAt\n    outcome\n    workerId\n    error {\n      name\n      message\n      retryable\n    }\n  }\n  priority\n  tags\n  version\n  createdAt\n  startedAt\n  finishedAt\n  updatedAt\n}\n\nfragment TaskEventFields on TaskEvent {\n  taskId\n  version\n  type\n  state\n  at\n  attempt\n  progress {\n    percent\n    message\n    data\n  }\n  error {\n    name\n    message\n    retryable\n  }\n  nextRunAt\n}\n\nmutation EnqueueTask($input: EnqueueTaskInput!) {\n  enqueueTask(input: $input) {\n    deduplicated\n    task {\n      ...TaskFields\n    }\n  }\n}\n\nquery Task($id: ID!) {\n  task(id: $id) {\n    ...TaskFields\n  }\n}\n\nquery TaskHistory($id: ID!, $afterVersion: Int) {\n  task(id: $id) {\n    id\n    version\n    events(afterVersion: $afterVersion) {\n      ...TaskEventFields\n    }\n  }\n}\n\nquery TaskTypes {\n  taskTypes {\n    name\n    queue\n    description\n    inputSchema\n    maxAttempts\n    timeoutMs\n  }\n}\n\nsubscription TaskUpdated($id: ID!) {\n  taskUpdated(id: $id) {\n    ...TaskFields\n  }\n}\n\nsubscription TaskEvents($id: ID!, $afterVersion: Int) {\n  taskEvents(id: $id, afterVersion: $afterVersion) {\n    ...TaskEventFields\n    task {\n      id\n      state\n      version\n    }\n  }\n}": typeof types.TaskFieldsFragmentDoc,
};
const documents: Documents = {
    "fragment TaskFields on Task {\n  id\n  type\n  queue\n  state\n  input\n  result\n  error {\n    name\n    message\n    stack\n    retryable\n  }\n  progress {\n    percent\n    message\n    data\n    updatedAt\n  }\n  attempt\n  maxAttempts\n  attempts {\n    number\n    startedAt\n    finishedAt\n    outcome\n    workerId\n    error {\n      name\n      message\n      retryable\n    }\n  }\n  priority\n  tags\n  version\n  createdAt\n  startedAt\n  finishedAt\n  updatedAt\n}\n\nfragment TaskEventFields on TaskEvent {\n  taskId\n  version\n  type\n  state\n  at\n  attempt\n  progress {\n    percent\n    message\n    data\n  }\n  error {\n    name\n    message\n    retryable\n  }\n  nextRunAt\n}\n\nmutation EnqueueTask($input: EnqueueTaskInput!) {\n  enqueueTask(input: $input) {\n    deduplicated\n    task {\n      ...TaskFields\n    }\n  }\n}\n\nquery Task($id: ID!) {\n  task(id: $id) {\n    ...TaskFields\n  }\n}\n\nquery TaskHistory($id: ID!, $afterVersion: Int) {\n  task(id: $id) {\n    id\n    version\n    events(afterVersion: $afterVersion) {\n      ...TaskEventFields\n    }\n  }\n}\n\nquery TaskTypes {\n  taskTypes {\n    name\n    queue\n    description\n    inputSchema\n    maxAttempts\n    timeoutMs\n  }\n}\n\nsubscription TaskUpdated($id: ID!) {\n  taskUpdated(id: $id) {\n    ...TaskFields\n  }\n}\n\nsubscription TaskEvents($id: ID!, $afterVersion: Int) {\n  taskEvents(id: $id, afterVersion: $afterVersion) {\n    ...TaskEventFields\n    task {\n      id\n      state\n      version\n    }\n  }\n}": types.TaskFieldsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment TaskFields on Task {\n  id\n  type\n  queue\n  state\n  input\n  result\n  error {\n    name\n    message\n    stack\n    retryable\n  }\n  progress {\n    percent\n    message\n    data\n    updatedAt\n  }\n  attempt\n  maxAttempts\n  attempts {\n    number\n    startedAt\n    finishedAt\n    outcome\n    workerId\n    error {\n      name\n      message\n      retryable\n    }\n  }\n  priority\n  tags\n  version\n  createdAt\n  startedAt\n  finishedAt\n  updatedAt\n}\n\nfragment TaskEventFields on TaskEvent {\n  taskId\n  version\n  type\n  state\n  at\n  attempt\n  progress {\n    percent\n    message\n    data\n  }\n  error {\n    name\n    message\n    retryable\n  }\n  nextRunAt\n}\n\nmutation EnqueueTask($input: EnqueueTaskInput!) {\n  enqueueTask(input: $input) {\n    deduplicated\n    task {\n      ...TaskFields\n    }\n  }\n}\n\nquery Task($id: ID!) {\n  task(id: $id) {\n    ...TaskFields\n  }\n}\n\nquery TaskHistory($id: ID!, $afterVersion: Int) {\n  task(id: $id) {\n    id\n    version\n    events(afterVersion: $afterVersion) {\n      ...TaskEventFields\n    }\n  }\n}\n\nquery TaskTypes {\n  taskTypes {\n    name\n    queue\n    description\n    inputSchema\n    maxAttempts\n    timeoutMs\n  }\n}\n\nsubscription TaskUpdated($id: ID!) {\n  taskUpdated(id: $id) {\n    ...TaskFields\n  }\n}\n\nsubscription TaskEvents($id: ID!, $afterVersion: Int) {\n  taskEvents(id: $id, afterVersion: $afterVersion) {\n    ...TaskEventFields\n    task {\n      id\n      state\n      version\n    }\n  }\n}"): (typeof documents)["fragment TaskFields on Task {\n  id\n  type\n  queue\n  state\n  input\n  result\n  error {\n    name\n    message\n    stack\n    retryable\n  }\n  progress {\n    percent\n    message\n    data\n    updatedAt\n  }\n  attempt\n  maxAttempts\n  attempts {\n    number\n    startedAt\n    finishedAt\n    outcome\n    workerId\n    error {\n      name\n      message\n      retryable\n    }\n  }\n  priority\n  tags\n  version\n  createdAt\n  startedAt\n  finishedAt\n  updatedAt\n}\n\nfragment TaskEventFields on TaskEvent {\n  taskId\n  version\n  type\n  state\n  at\n  attempt\n  progress {\n    percent\n    message\n    data\n  }\n  error {\n    name\n    message\n    retryable\n  }\n  nextRunAt\n}\n\nmutation EnqueueTask($input: EnqueueTaskInput!) {\n  enqueueTask(input: $input) {\n    deduplicated\n    task {\n      ...TaskFields\n    }\n  }\n}\n\nquery Task($id: ID!) {\n  task(id: $id) {\n    ...TaskFields\n  }\n}\n\nquery TaskHistory($id: ID!, $afterVersion: Int) {\n  task(id: $id) {\n    id\n    version\n    events(afterVersion: $afterVersion) {\n      ...TaskEventFields\n    }\n  }\n}\n\nquery TaskTypes {\n  taskTypes {\n    name\n    queue\n    description\n    inputSchema\n    maxAttempts\n    timeoutMs\n  }\n}\n\nsubscription TaskUpdated($id: ID!) {\n  taskUpdated(id: $id) {\n    ...TaskFields\n  }\n}\n\nsubscription TaskEvents($id: ID!, $afterVersion: Int) {\n  taskEvents(id: $id, afterVersion: $afterVersion) {\n    ...TaskEventFields\n    task {\n      id\n      state\n      version\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;