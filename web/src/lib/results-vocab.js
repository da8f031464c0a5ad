// results-vocab.js - what staff may enter as a result, mirrored from
// data/results.conf (the server checks against that file and answers 422
// naming the field for anything else). Change both together.

// [uds] substance = ...
export const UDS_SUBSTANCES = [
  'opioids', 'fentanyl', 'methadone', 'buprenorphine', 'oxycodone', 'cocaine', 'amphetamines',
  'methamphetamine', 'benzodiazepines', 'cannabinoids', 'barbiturates', 'alcohol', 'pcp', 'mdma',
  'tramadol', 'xylazine',
];

// [breath_alcohol] unit
export const BAC_UNIT = 'g/210L';

// [lab] code = unit | lowest | highest (the bounds are the server's to check).
export const LAB_CODES = [
  ['creatinine_clearance', 'Creatinine clearance', 'mL/min'],
  ['creatinine', 'Creatinine', 'mg/dL'],
  ['alt', 'ALT', 'U/L'],
  ['ast', 'AST', 'U/L'],
  ['ggt', 'GGT', 'U/L'],
  ['alkaline_phosphatase', 'Alkaline phosphatase', 'U/L'],
  ['bilirubin_total', 'Bilirubin, total', 'mg/dL'],
  ['lithium', 'Lithium', 'mmol/L'],
];

export const labName = (code) => (LAB_CODES.find((l) => l[0] === code) || [code, code])[1];

export const RESULT_KINDS = [
  ['uds', 'Urine drug screen'],
  ['breath_alcohol', 'Breath alcohol'],
  ['lab', 'Laboratory value'],
  ['ecg', 'ECG (QTc)'],
];
