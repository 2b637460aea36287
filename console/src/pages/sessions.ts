import { db, logout } from '../api.ts';
import { append, h, notice, section, table, when } from '../dom.ts';
import { apiError, type Page } from './page.ts';

interface SessionRow {
  id: string;
  user_id: string;
  device: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  active: boolean;
  current: boolean;
}

export const renderSessions: Page = async (container, ctx) => {
  const client = await db();
  const answer = await client.from('user_sessions').select('id,user_id,device,ip,user_agent,created_at,expires_at,revoked_at,active,current').order('created_at', { ascending: false }).limit(200);
  if (answer.error) return void container.appendChild(notice(apiError(answer.error, answer.status), 'error'));
  const status = h('div', { 'aria-live': 'polite' });
  const rows = (answer.data ?? []) as SessionRow[];
  append(
    container,
    section(
      ctx.admin ? 'Sessions in this organisation' : 'Your sessions',
      status,
      table(
        ['Started', 'Device', 'IP', 'Browser', 'Expires', 'State', ''],
        rows.map((s) => [
          when(s.created_at),
          s.device ?? '—',
          s.ip ?? '—',
          h('span', { class: 'ua' }, s.user_agent ?? '—'),
          when(s.expires_at),
          s.current ? 'this session' : s.active ? 'active' : `ended ${when(s.revoked_at)}`,
          s.active
            ? h('button', { type: 'button', class: 'danger', onclick: async () => {
                const result = await (await db()).rpc('revoke_session', { session_id: s.id });
                if (result.error) return void status.replaceChildren(notice(apiError(result.error, result.status), 'error'));
                if (s.current) await logout();
                ctx.reload();
              } }, 'Revoke')
            : '',
        ]),
        'sessions',
      ),
    ),
  );
};
