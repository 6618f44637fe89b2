"""Reminders: who must hear about what on a given day, told exactly once.

The rules (``PRODUCT.md``, "Reminders"), each evaluated for one local day:

=====================  ==========================================  =========================
kind                   due when                                    to
=====================  ==========================================  =========================
handover_unplanned     window opens within lead days, or is open,  business owner (once
                       and the pilot has no knowledge-transfer     accepted), sponsor
                       tasks (approved or running)
handover_escalation    the same, escalation days into the window   portfolio leads
task_overdue           a task not done, due date + grace passed    assignee, business owner
metric_stale           the primary metric has no reading within    business owner
                       its cadence + grace (running, or graduated
                       in the last 12 months)
ownership_pending      nominated owner silent for N local days     nominee, sponsor
decision_overdue       running, end date + grace passed            sponsor, portfolio leads
=====================  ==========================================  =========================

How a sweep delivers exactly once:

1. ``reminders_due`` finds every (pilot, kind, recipient) due on the day with a
   fixed number of queries, whatever the size of the portfolio (one per rule,
   plus leads, mutes and deactivated accounts).
2. ``reminders_sweep`` inserts them for the period (the ISO week) with
   ``ON CONFLICT DO NOTHING`` against the unique constraint, tagged with this
   sweep's id, and reads back only the rows this sweep inserted. A second sweep
   of the same week (beat twice, a retry, an operator's catch-up) inserts
   nothing and so sends nothing.
3. Each new row is emailed by ``reminder_deliver``, which first *claims* it with
   a conditional ``UPDATE … WHERE status = 'pending'``: of two deliveries of
   the same reminder only one claims it. No lock is held while SMTP talks. An
   SMTP failure releases the claim for a retry; a worker killed mid-send
   leaves a stale claim that ``reminders_redeliver`` re-queues later.
"""
