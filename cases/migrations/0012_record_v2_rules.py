from django.db import migrations, models


class Migration(migrations.Migration):
    """The rules of the second-generation record, added once the data migration has made every row follow them."""

    dependencies = [
        ("cases", "0011_record_v2_data"),
    ]

    operations = [
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['case', 'date_earliest'], name='event_placing'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['case', '-position', '-id'], name='event_timeline'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(condition=models.Q(('kind', 'stage_change')), fields=['case', 'position', 'id'], name='event_stage_track'),
        ),
        migrations.AddConstraint(
            model_name='authority',
            constraint=models.UniqueConstraint(fields=('name', 'country'), name='authority_name_country_unique'),
        ),
        migrations.AddConstraint(
            model_name='authority',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'court'), _negated=True), models.Q(('level', ''), _negated=True), _connector='OR'), name='authority_court_has_level', violation_error_message='A court needs its level.'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('closed_on__isnull', True), models.Q(('outcome', ''), _negated=True), _connector='OR'), name='case_closed_has_outcome', violation_error_message='A closed case needs its outcome.'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('after_surrender', ''), ('outcome', 'extradited'), _connector='OR'), name='case_after_surrender_needs_extradition', violation_error_message='What happened after surrender applies only to a person who was extradited.'),
        ),
        migrations.AddConstraint(
            model_name='event',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'ruling'), _negated=True), models.Q(('authority__isnull', False), ('decision__in', ['certified', 'order_made', 'sent_to_minister', 'refused', 'discharged', 'authorisation_revoked', 'affirmed', 'reversed', 'quashed', 'remitted', 'appeal_allowed', 'appeal_dismissed', 'permission_granted', 'permission_refused', 'petition_granted', 'petition_denied', 'cert_denied', 'stay_granted', 'stay_denied', 'interim_measures', 'warrant_issued', 'remanded', 'bail_granted', 'bail_refused', 'charged', 'declared_fugitive', 'charges_dismissed', 'dpa_approved', 'convicted', 'acquitted', 'sentenced', 'other'])), _connector='OR'), name='event_ruling_has_authority_and_decision', violation_error_message="A court ruling needs a court and a court's decision."),
        ),
        migrations.AddConstraint(
            model_name='event',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'executive_decision'), _negated=True), models.Q(('authority__isnull', False), ('decision__in', ['request_made', 'request_certified', 'provisional_arrest_requested', 'extradition_ordered', 'extradition_refused', 'surrender_authorised', 'surrender_deferred', 'order_withdrawn', 'assurances_given', 'request_withdrawn', 'asylum_granted', 'asylum_refused', 'citizenship_revoked', 'deportation_ordered', 'other'])), _connector='OR'), name='event_executive_decision_has_authority_and_decision', violation_error_message='An executive decision needs the government body and its decision.'),
        ),
        migrations.AddConstraint(
            model_name='event',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'status'), _negated=True), models.Q(('category', ''), _negated=True), _connector='OR'), name='event_status_has_category', violation_error_message='A status update needs what it is about.'),
        ),
        migrations.AddConstraint(
            model_name='statement',
            constraint=models.CheckConstraint(condition=models.Q(('reported_speech', True), models.Q(('quote', ''), _negated=True), _connector='OR'), name='statement_verbatim_has_quote', violation_error_message='A verbatim statement needs its quote; tick “reported speech” when there is none.'),
        ),
        migrations.AddConstraint(
            model_name='statement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('quote', ''), _negated=True), models.Q(('gist', ''), _negated=True), _connector='OR'), name='statement_says_something', violation_error_message='Give the quote, or what was said in reported speech.'),
        ),
        migrations.AlterConstraint(
            model_name='event',
            name='event_hearing_has_status',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'hearing'), _negated=True), models.Q(('hearing_status', ''), _negated=True), _connector='OR'), name='event_hearing_has_status', violation_error_message='A hearing needs its status (scheduled, held, adjourned…).'),
        ),
        migrations.AddConstraint(
            model_name='caserelation',
            constraint=models.UniqueConstraint(fields=('case', 'related_case'), name='case_relation_unique'),
        ),
        migrations.AddConstraint(
            model_name='caserelation',
            constraint=models.CheckConstraint(condition=models.Q(('case', models.F('related_case')), _negated=True), name='case_relation_not_self', violation_error_message='A case cannot be related to itself.'),
        ),
    ]
