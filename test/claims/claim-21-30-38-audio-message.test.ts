// Claims 21, 30 and 38: the HELP option is an audio message (under claims 1, 23 and 32).
import t from 'tap';
import { helpFormClaims } from './_help-forms.js';

helpFormClaims(t, 'audio', [21, 30, 38], 'an audio message');
