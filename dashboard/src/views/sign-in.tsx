import { useState } from 'preact/hooks';

/**
 * Where a token is given: a JWT or API key, sent once per connection as graphql-ws
 * `connectionParams.authorization`, and kept in this browser's local storage.
 */
export function SignIn({ token, rejected, onSave }: { token: string | null; rejected: boolean; onSave: (token: string | null) => void }) {
  const [value, setValue] = useState(token ?? '');
  return (
    <section class="panel sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      {rejected && (
        <p class="error" role="alert">
          {token ? 'The server refused this token (invalid or expired).' : 'This server needs a token.'}
        </p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onSave(value.trim() || null);
        }}
      >
        <label for="token">Token (JWT or API key)</label>
        <input id="token" type="password" autoComplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <div class="actions">
          <button type="submit">Connect</button>
          {token && (
            <button type="button" class="secondary" onClick={() => onSave(null)}>
              Forget token
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
