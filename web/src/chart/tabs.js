// tabs.js - the patient chart's tabs, in the order shown.
//
// A tab is one module that exports {id, label, visible(ctx), Panel}:
//   id       the URL segment: /patients/12/<id>
//   label    the tab's name
//   visible  (ctx) => boolean; usually a can(ctx.me, 'GET /api/v1/...', site)
//   Panel    a component receiving ctx (see chart.js: patient, diagnoses,
//            episodes, me, site, can(route), reload())
// Adding a tab (medications, assessments, ...) is that module plus one line
// here. Tabs without content are not listed.
import overview from './overview.js';
import diagnoses from './diagnoses.js';
import episodes from './episodes.js';
import plan from './plan.js';
import therapy from './therapy.js';
import measures from './measures.js';
import medications from './medications.js';
import mar from './mar.js';
import takeHomes from './take-homes.js';
import results from './results.js';
import careTimeline from './care-timeline.js';
import audit from './audit.js';

export const TABS = [overview, diagnoses, episodes, plan, therapy, measures, medications, mar, takeHomes, results, careTimeline, audit];
