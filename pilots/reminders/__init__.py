"""Reminders: who must hear about what on a given day, told exactly once.

Each kind is registered in ``rules.KINDS`` with the rule that finds it, to
whom it goes and whether it may be muted; the rules themselves are decided in
``pilots.rules`` (the README's Reminders table is tested against ``KINDS``).
The package: ``rules`` (who must hear of what), ``due`` (what a finder is
given and returns), ``ahead`` (before a date, and the gate's time limit),
``escalation`` (a reminder unanswered goes one level up), ``sweep`` (record a
day's reminders), ``delivery`` (email one), ``digests`` (hold the kinds a
person chose to get daily or weekly, and email them in one digest), ``inbox``
(read, mute, the leads' log), ``tasks`` (the Celery tasks).

How a sweep delivers exactly once:

1. ``reminders_due`` finds every (pilot, kind, recipient) due on the day with a
   fixed number of queries, whatever the size of the portfolio (one per rule,
   one for the reminders an escalation looks back on, plus leads, mutes and
   deactivated accounts).
2. ``reminders_sweep`` inserts them for the period (the ISO week) with
   ``ON CONFLICT DO NOTHING`` against the unique constraint, tagged with this
   sweep's id, and reads back only the rows this sweep inserted. A second sweep
   of the same week (beat twice, a retry, an operator's catch-up) inserts
   nothing and so sends nothing.
3. Each new row is emailed by ``reminder_deliver``, which first *claims* it with
   a conditional ``UPDATE … WHERE status = 'pending'``: of two deliveries of
   the same reminder only one claims it. No lock is held while SMTP talks. An
   SMTP failure releases the claim for a retry; a worker killed mid-send
   leaves a claim that ``reminders_redeliver`` (every minute) releases and
   re-queues once it is older than ``delivery.CLAIM_TIMEOUT`` (2 minutes).
4. The delivery tasks are recorded in the outbox (``pilots.services.outbox``)
   in the sweep's transaction and relayed to the broker after its commit, or
   by the relay job once a broker that was down returns: none is lost.
"""
