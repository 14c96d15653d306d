// Claims 20, 29 and 37: the HELP option is a HELP screen (under claims 1, 23 and 32).
import t from 'tap';
import { helpFormClaims } from './_help-forms.js';

helpFormClaims(t, 'screen', [20, 29, 37], 'a HELP screen');
