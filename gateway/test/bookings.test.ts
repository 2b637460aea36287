import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createOrg, login, ownerPool, rest } from './helpers.ts';
import { createVapiSource, sendVapi, toolCall, type VapiSource } from './calls-vapi-sender.ts';

/**
 * Bookings through PostgREST with real concurrency: the exclusion constraint decides,
 * every loser gets the same 409 answer, nothing else goes wrong.
 */
interface Appointment {
  id: string;
  resource_id: string;
  starts_at: string;
  ends_at: string;
  status: string;
}

const rpc = (name: string, token: string, body: unknown) =>
  rest(`/rpc/${name}`, token, { method: 'POST', body: JSON.stringify(body) });

let owner: pg.Pool;
let token: string;
let resourceId: string;
let vapiSource: VapiSource;
// Whole hours in the future, on a day nobody else books.
const base = Date.UTC(2031, 2, 3, 0, 0, 0);
const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();

beforeAll(async () => {
  owner = ownerPool();
  const org = await createOrg('Bookings');
  token = await login(org.email, org.password);
  vapiSource = await createVapiSource(org.orgId);
  const res = await rest('/resources', token, {
    method: 'POST',
    headers: { prefer: 'return=representation' },
    body: JSON.stringify({ name: 'Closer 1' }),
  });
  expect(res.status).toBe(201);
  resourceId = ((await res.json()) as Array<{ id: string }>)[0].id;
});

afterAll(async () => {
  await owner.end();
});

describe('book_appointment through PostgREST under real concurrency', () => {
  it('1,000 concurrent requests for one slot (REST and Vapi tool calls mixed): exactly one booking, 999 conflicts, nothing else', async () => {
    const body = { starts_at: at(60), ends_at: at(90), contact_id: null, resource_id: resourceId };
    // 500 REST calls all at once; 500 tool calls through the gateway at the same time, at
    // most 64 in flight (other test files hammer the gateway concurrently; its listen
    // backlog is the limit there, not the booking).
    const restCalls = Array.from({ length: 500 }, async () => {
      const res = await rpc('book_appointment', token, body);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    });
    const toolResults: Array<{ status: number; body: Record<string, unknown> }> = [];
    let nextTool = 0;
    const toolCalls = Array.from({ length: 64 }, async () => {
      while (nextTool < 500) {
        nextTool++;
        // A voice agent's tool call: 200 with a sentence; a conflict is the "already taken" sentence.
        const res = await sendVapi(vapiSource, toolCall('book_appointment', { starts_at: body.starts_at, ends_at: body.ends_at, resource_id: resourceId }));
        const answer = (await res.json()) as { results?: Array<{ result: string }> };
        const said = answer.results?.[0]?.result ?? '';
        const status = res.status !== 200 ? res.status : said.startsWith('Booked for') ? 200 : said.startsWith('That time is already taken') ? 409 : 599;
        toolResults.push({ status, body: answer as Record<string, unknown> });
      }
    });
    const restResults = await Promise.all(restCalls);
    await Promise.all(toolCalls);
    const responses = [...restResults, ...toolResults];
    expect(toolResults).toHaveLength(500);
    const byStatus = new Map<number, number>();
    for (const r of responses) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual({ 200: 1, 409: 999 });
    const conflict = restResults.find((r) => r.status === 409)!.body;
    expect(conflict).toMatchObject({ code: 'PT409', hint: 'slot_taken', message: 'the requested slot is already booked' });
    const details = JSON.parse(conflict.details as string) as { starts_at: string; resource_id: string };
    expect(new Date(details.starts_at).toISOString()).toBe(at(60));
    expect(details.resource_id).toBe(resourceId);
    const { rows } = await owner.query('select count(*)::int as n from app_public.appointments where resource_id = $1 and starts_at = $2', [
      resourceId,
      at(60),
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('200 concurrent bookings of partly overlapping slots: the booked ones never overlap', async () => {
    // 30-minute slots starting every 10 minutes from 10:00: each overlaps its neighbours.
    const responses = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const start = 600 + (i % 100) * 10;
        const res = await rpc('book_appointment', token, {
          starts_at: at(start),
          ends_at: at(start + 30),
          contact_id: null,
          resource_id: resourceId,
        });
        return res.status;
      }),
    );
    const ok = responses.filter((s) => s === 200).length;
    expect(responses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    expect(ok).toBeGreaterThanOrEqual(20);
    const { rows } = await owner.query(
      `select count(*)::int as overlaps from app_public.appointments a join app_public.appointments b
          on a.resource_id = b.resource_id and a.id < b.id and a.blocked && b.blocked
       where a.resource_id = $1 and a.status <> 'cancelled' and b.status <> 'cancelled'`,
      [resourceId],
    );
    expect(rows[0].overlaps).toBe(0);
    const booked = await owner.query(
      `select count(*)::int as n from app_public.appointments where resource_id = $1 and starts_at >= $2`,
      [resourceId, at(600)],
    );
    expect(booked.rows[0].n).toBe(ok);
    // Every refused slot was refused for a reason: it overlaps a booked one.
    const refused = await owner.query(
      `select count(*)::int as n from generate_series(0, 99) i
        where not exists (select 1 from app_public.appointments a
                           where a.resource_id = $1 and a.status <> 'cancelled'
                             and a.blocked && tstzrange($2::timestamptz + make_interval(mins => i * 10),
                                                        $2::timestamptz + make_interval(mins => i * 10 + 30)))`,
      [resourceId, at(600)],
    );
    expect(refused.rows[0].n).toBe(0);
  });

  it('a reschedule into a taken slot answers 409 and keeps the original; a cancelled slot reopens', async () => {
    const book = async (start: number) =>
      rpc('book_appointment', token, { starts_at: at(start), ends_at: at(start + 30), contact_id: null, resource_id: resourceId });
    const first = (await (await book(2000)).json()) as Appointment;
    const second = (await (await book(2060)).json()) as Appointment;
    const moved = await rpc('reschedule_appointment', token, { appointment_id: second.id, starts_at: at(2000), ends_at: at(2030) });
    expect(moved.status).toBe(409);
    const [still] = (await (await rest(`/appointments?id=eq.${second.id}`, token)).json()) as Appointment[];
    expect(new Date(still.starts_at).toISOString()).toBe(at(2060));

    expect((await rpc('cancel_appointment', token, { appointment_id: first.id })).status).toBe(200);
    expect((await book(2000)).status).toBe(200);
    const events = (await (await rest(`/pipeline_events?subject_id=eq.${first.id}&order=id`, token)).json()) as Array<{ kind: string }>;
    expect(events.map((e) => e.kind)).toEqual(['appointment_booked', 'appointment_cancelled']);
  });

  it('a retried request with the same idempotency key returns the first appointment', async () => {
    const body = { starts_at: at(3000), ends_at: at(3030), contact_id: null, resource_id: resourceId, idempotency_key: 'retry-me' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => rpc('book_appointment', token, body)));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    const ids = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as Appointment).id)));
    expect(ids.size).toBe(1);
  });

  it('check_availability lists free slots of the day and bad input is a 400, never a 500', async () => {
    const res = await rpc('check_availability', token, { resource_id: resourceId, day: '2031-03-03' });
    expect(res.status).toBe(200);
    const slots = (await res.json()) as Array<{ starts_at: string }>;
    const starts = new Set(slots.map((s) => new Date(s.starts_at).toISOString()));
    expect(starts.has(at(60))).toBe(false);
    expect(starts.has(at(0))).toBe(true);
    const inverted = await rpc('book_appointment', token, { starts_at: at(4000), ends_at: at(3990), contact_id: null, resource_id: resourceId });
    expect(inverted.status).toBe(400);
    expect(await inverted.json()).toMatchObject({ hint: 'invalid_time_range' });
    const unknown = await rpc('book_appointment', token, {
      starts_at: at(4000),
      ends_at: at(4030),
      contact_id: '00000000-0000-0000-0000-000000000000',
      resource_id: resourceId,
    });
    expect(unknown.status).toBe(404);
  });
});
