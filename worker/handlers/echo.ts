import { echo } from '../../src/tasks/builtin/echo.ts';
import { defineHandler } from '../handler.ts';

/** `echo` returns its input unchanged. */
export const echoHandler = defineHandler(echo, (input) => input);
