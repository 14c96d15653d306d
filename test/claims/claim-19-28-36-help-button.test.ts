// Claims 19, 28 and 36: the HELP option is a HELP button (under claims 1, 23 and 32).
import t from 'tap';
import { helpFormClaims } from './_help-forms.js';

helpFormClaims(t, 'button', [19, 28, 36], 'a HELP button');
